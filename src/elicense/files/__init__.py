"""License files made from a ledger: the PDF (fpdf2 and pyHanko, the ``pdf`` extra) and the
OFD (GB/T 33190 with a GB/T 38540 seal).

Importing this package loads nothing heavy: :mod:`.pdf` and :mod:`.ofd` import their
libraries when used. Verifying files is the verifier's (:mod:`elicense.verify.pdf`,
:mod:`elicense.ofd`).
"""
