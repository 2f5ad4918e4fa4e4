"""Cross-department reuse (跨部门共享互认, 授权用证, 免提交).

A department handling a service item (事项) reuses a license another
department issued, instead of asking the holder for paper. The pieces:

- :mod:`elicense.acts.reuse` — the signed statement kinds: ``type.share`` /
  ``type.unshare`` (the sharing list, 责任清单/需求清单), ``consent.grant`` /
  ``consent.withdraw`` (the holder's 授权, recorded by the platform) and
  ``use.request`` (a department's 用证);
- :mod:`elicense.domain.consent` and :mod:`elicense.domain.usage` — the
  ``Consent`` and ``Use`` aggregates; the sharing-list events live on
  :class:`~elicense.domain.license_type.LicenseType`;
- :mod:`elicense.ledger.rules.consents`, :mod:`elicense.ledger.rules.uses` and the
  sharing rules of :mod:`elicense.ledger.rules.types` — what the ledger checks; a
  validly signed use that fails a policy check is *recorded* as ``Use.Refused``
  with a reason code;
- :mod:`elicense.documents` — the platform-signed field-minimised view and the
  annotated copy (加注件); :mod:`elicense.verify.views` — how they verify;
- :mod:`elicense.reuse.service` — :class:`~elicense.reuse.service.ReuseService`,
  the platform service that holds the platform key (the ledger holds none);
- :mod:`elicense.reuse.stats` — statistics (用证量, 事项用证率, 证照开通率, 入库量)
  recomputed by a pure replay of the recorded events (docs/statistics.md).

This package holds the platform's reuse service and the statistics; it sits
above the ledger and the verifier (docs/architecture.md).
"""
