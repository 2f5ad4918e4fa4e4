// Scan-to-verify, in the page: check the payload in this page's URL with the platform key
// and the status list the page was served with, without asking the service.
// WebCrypto verifies ECDSA P-256 (and Ed25519 where the browser has it). It has no SM2:
// for an SM2 platform key the page also loads sm-crypto-sm2.js (sm-crypto 0.5.8's
// dist/sm2.js, vendored unmodified and pinned by its SHA-256, see docs/pages.md), and
// the signature is checked with it exactly as elicense signs: SM3, user ID
// 1234567812345678, raw r ‖ s. No request leaves this origin.
"use strict";

(function () {
  const WORDS = {
    valid: ["有效", "ok"], suspended: ["暂扣", "warn"], withdrawn: ["撤销", "bad"],
    cancelled: ["注销", "bad"], revoked: ["吊销", "bad"], expired: ["失效", "bad"],
    transferred: ["转出", "bad"], other: ["其他", "bad"], invalid: ["失效", "bad"],
    error: ["无法核验", "error"], pending: ["核验中…", "pending"],
  };
  const MAX_AGE = 24 * 3600; // seconds: an older list cannot confirm a reversible status
  const ALGS = { "-7": "ecdsa-p256-sha256", "-8": "ed25519", "-65537": "sm2-sm3" };
  // An SM2 SubjectPublicKeyInfo as elicense writes it (id-ecPublicKey, curve
  // 1.2.156.10197.1.301, uncompressed point): this DER prefix, then 04 ‖ x ‖ y.
  const SM2_SPKI = "3059301306072a8648ce3d020106082a811ccf5501822d034200";
  const SM2_USER_ID = "1234567812345678"; // GM/T 0009 default, as elicense (crypto/gm.py)

  class Refusal extends Error {
    constructor(code, message) { super(message); this.code = code; }
  }

  function b32decode(text) {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const out = [];
    let bits = 0, value = 0;
    for (const ch of text) {
      const v = alphabet.indexOf(ch);
      if (v < 0) throw new Refusal("payload.malformed", "不是 base32");
      value = (value << 5) | v; bits += 5;
      if (bits >= 8) { bits -= 8; out.push((value >> bits) & 0xff); }
    }
    if (bits >= 5 || (value & ((1 << bits) - 1))) throw new Refusal("payload.malformed", "base32 多余位");
    return new Uint8Array(out);
  }

  function b64decode(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // The CBOR this payload uses (RFC 8949): unsigned and negative integers, byte and text
  // strings, maps; anything else is refused.
  function cborRead(bytes, pos) {
    const head = bytes[pos];
    if (head === undefined) throw new Refusal("payload.malformed", "CBOR 截断");
    const major = head >> 5, info = head & 31;
    let len, p = pos + 1;
    if (info < 24) len = info;
    else if (info <= 27) {
      const n = 1 << (info - 24);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + bytes[p + i];
      p += n;
    } else throw new Refusal("payload.malformed", "CBOR 不定长");
    if (major === 0) return [len, p];
    if (major === 1) return [-1 - len, p];
    if (major === 2 || major === 3) {
      if (p + len > bytes.length) throw new Refusal("payload.malformed", "CBOR 截断");
      const slice = bytes.slice(p, p + len);
      return [major === 2 ? slice : new TextDecoder().decode(slice), p + len];
    }
    if (major === 5) {
      const map = new Map();
      for (let i = 0; i < len; i++) {
        const [k, p1] = cborRead(bytes, p);
        const [v, p2] = cborRead(bytes, p1);
        map.set(k, v); p = p2;
      }
      return [map, p];
    }
    throw new Refusal("payload.malformed", "CBOR 类型不支持");
  }

  function bstr(bytes) {
    const n = bytes.length;
    const head = n < 24 ? [0x40 | n] : n < 256 ? [0x58, n] : [0x59, n >> 8, n & 0xff];
    return concat(new Uint8Array(head), bytes);
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let i = 0;
    for (const p of parts) { out.set(p, i); i += p.length; }
    return out;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // COSE_Sign1, tag 18, in its one deterministic layout (docs/wire-format.md §11).
  function openCose(cose) {
    if (cose[0] !== 0xd2 || cose[1] !== 0x84) throw new Refusal("payload.malformed", "不是 COSE_Sign1");
    const [protectedHdr, p1] = cborRead(cose, 2);
    if (!(protectedHdr instanceof Uint8Array)) throw new Refusal("payload.malformed", "保护头");
    if (cose[p1] !== 0xa1 || cose[p1 + 1] !== 0x04 || cose[p1 + 2] !== 0x48) {
      throw new Refusal("payload.malformed", "kid");
    }
    const kid = cose.slice(p1 + 3, p1 + 11);
    const [body, p2] = cborRead(cose, p1 + 11);
    const [signature, p3] = cborRead(cose, p2);
    if (!(body instanceof Uint8Array) || !(signature instanceof Uint8Array) || p3 !== cose.length) {
      throw new Refusal("payload.malformed", "结构");
    }
    const [header, end] = cborRead(protectedHdr, 0);
    if (!(header instanceof Map) || header.size !== 1 || end !== protectedHdr.length) {
      throw new Refusal("payload.malformed", "保护头");
    }
    const alg = ALGS[String(header.get(1))];
    if (!alg) throw new Refusal("payload.alg.unknown", "未知算法");
    const toSign = concat(new Uint8Array([0x84, 0x6a]), new TextEncoder().encode("Signature1"),
      bstr(protectedHdr), new Uint8Array([0x40]), bstr(body));
    return { alg, kid, body, signature, toSign };
  }

  async function checkSignature(opened, keys) {
    for (const key of keys) {
      const spki = b64decode(key.spki);
      const kid = new Uint8Array(await crypto.subtle.digest("SHA-256", spki)).slice(0, 8);
      if (hex(kid) !== hex(opened.kid)) continue;
      if (key.alg !== opened.alg) throw new Refusal("payload.signature.invalid", "算法不符");
      if (opened.alg === "sm2-sm3") return checkSm2(opened, spki);
      const params = opened.alg === "ed25519"
        ? [{ name: "Ed25519" }, { name: "Ed25519" }]
        : [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }];
      let pub;
      try {
        pub = await crypto.subtle.importKey("spki", spki, params[0], false, ["verify"]);
      } catch (e) {
        return "server"; // this browser lacks the algorithm (older Ed25519)
      }
      if (await crypto.subtle.verify(params[1], pub, opened.signature, opened.toSign)) return "page";
      throw new Refusal("payload.signature.invalid", "签名无效");
    }
    throw new Refusal("payload.key.unknown", "不是本平台密钥签名");
  }

  // SM2 with SM3 (GB/T 32918.2): e = SM3(Z ‖ Sig_structure), Z over the user ID and the
  // key; the COSE signature is r ‖ s (docs/wire-format.md §11). sm-crypto refuses r or s
  // outside [1, n-1] and a point not on the curve.
  function checkSm2(opened, spki) {
    const lib = self.sm2;
    if (!lib || typeof lib.doVerifySignature !== "function") return "server"; // not loaded
    const point = spki.slice(SM2_SPKI.length / 2);
    if (hex(spki.slice(0, SM2_SPKI.length / 2)) !== SM2_SPKI || point.length !== 65) {
      throw new Refusal("payload.key.unknown", "平台公钥不是 SM2 公钥");
    }
    if (opened.signature.length !== 64) throw new Refusal("payload.signature.invalid", "签名长度");
    let ok = false;
    try {
      ok = lib.doVerifySignature(opened.toSign, hex(opened.signature), hex(point),
        { hash: true, der: false, userId: SM2_USER_ID });
    } catch (e) {
      ok = false;
    }
    if (ok === true) return "page";
    throw new Refusal("payload.signature.invalid", "签名无效");
  }

  async function listEntry(list, slot) {
    if (!list || slot >= list.size) return null;
    const stream = new Blob([b64decode(list.lst)]).stream().pipeThrough(new DecompressionStream("deflate"));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    return (bytes[slot >> 2] >> ((slot & 3) * 2)) & 3;
  }

  function ageText(seconds) {
    if (seconds < 90) return `${Math.max(0, Math.round(seconds))} 秒前`;
    if (seconds < 5400) return `${Math.round(seconds / 60)} 分钟前`;
    if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} 小时前`;
    return `${Math.round(seconds / 86400)} 天前`;
  }

  async function verifyOffline(data) {
    const b32 = location.pathname.split("/V/")[1].split("/")[0];
    const opened = openCose(b32decode(b32));
    const by = await checkSignature(opened, data.keys);
    if (by === "server" && data.view.state === "error") {
      // no in-page check for this algorithm: the platform's check at page load decides
      throw new Refusal(data.view.code || "payload.signature.invalid", "平台核验未通过");
    }
    const [claims] = cborRead(opened.body, 0);
    if (!(claims instanceof Map)) throw new Refusal("payload.claims.invalid", "声明");
    if (claims.get(1) !== data.origin) throw new Refusal("payload.origin.mismatch", "非本平台");
    const now = Date.now() / 1000;
    const exp = claims.get(4);
    if (typeof exp === "number" && now >= exp) throw new Refusal("payload.expired", "二维码已过期");
    if (!data.list) throw new Refusal("payload.status.unknown", "本页未带状态列表");
    const entry = await listEntry(data.list, claims.get(-65537));
    if (entry === null || entry === 3) throw new Refusal("payload.status.unknown", "状态列表无此证照");
    const age = now - Date.parse(data.list.issued_at) / 1000;
    const state = entry === 0 ? "valid" : entry === 2 ? "suspended" : "invalid";
    const stale = state !== "invalid" && age > MAX_AGE;
    return { state: stale ? "error" : state, by, age, stale, issued: data.list.issued_at,
      code: stale ? "payload.status.stale" : state === "valid" ? "" : state === "suspended" ? "license.suspended" : "payload.status.invalid" };
  }

  function show(el, state) {
    const [word, cls] = WORDS[state] || WORDS.error;
    el.textContent = word;
    el.className = `status ${cls}`;
    el.dataset.state = state;
  }

  let runs = 0;

  async function runOffline(data) {
    const result = document.getElementById("offline-result");
    const detail = document.getElementById("offline-detail");
    runs += 1;
    delete result.dataset.runs;
    delete result.dataset.by;
    try {
      const r = await verifyOffline(data);
      show(result, r.state);
      result.dataset.ageSeconds = String(Math.round(r.age));
      result.dataset.code = r.code;
      result.dataset.by = r.by;
      const signer = r.by === "page" ? "签名已在本机用平台公钥核验" : "本机浏览器无法核验该签名算法，签名以平台核验为准";
      const issued = new Date(r.issued).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
      detail.textContent = `${signer}；状态列表生成于 ${issued}（${ageText(r.age)}）` +
        (r.stale ? "，已超过 24 小时，不能确认当前状态" : "") + (r.code ? `；原因代码 ${r.code}` : "");
    } catch (e) {
      show(result, "error");
      result.dataset.code = e.code || "payload.unverified";
      detail.textContent = `原因代码 ${e.code || "payload.unverified"}：${e.message}`;
    }
    result.dataset.runs = String(runs); // set last: the check is complete
  }

  async function recheck(data) {
    const status = document.getElementById("status");
    const note = document.getElementById("service-note");
    try {
      const r = await fetch(`${location.pathname}/check`, { cache: "no-store", credentials: "omit" });
      if (!r.ok) throw new Error(String(r.status));
      const view = await r.json();
      show(status, view.state);
      note.textContent = `平台已于 ${new Date(view.confirmed_at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false })} 重新确认。`;
      note.dataset.service = "reachable";
    } catch (e) {
      note.textContent = "无法连接平台：以下为本机用本页所带状态列表核验的结果。";
      note.dataset.service = "unreachable";
    }
    note.hidden = false;
    await runOffline(data);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const data = JSON.parse(document.getElementById("offline-data").textContent);
    document.getElementById("recheck").addEventListener("click", () => recheck(data));
    runOffline(data);
  });
})();
