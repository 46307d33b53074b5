"""Helpers shared by the tests and the benchmarks (``tests/`` is on pytest's path, so this
package is ``support``; benchmarks put ``tests/`` on ``sys.path`` the same way).

- :mod:`support.pki`: the demo PKI, SoftHSM2 tokens, key-source configs;
- :mod:`support.runs`: `trams run` configurations, inboxes and archive queries;
- :mod:`support.pages`: the reference pages (``samples/gen_scans.py --reference``) and the
  signature-placement scans (``--issued``);
- :mod:`support.decree30`, :mod:`support.producers`: issued documents as offices make them
  (Word files exported by LibreOffice; fpdf2, reportlab, pikepdf);
- :mod:`support.stamps`: where the stamps of a signed page landed (pdftoppm, pdftotext);
- :mod:`support.pdftools`: OCR a reference page into a RecognizedPage, pdftotext;
- :mod:`support.textmetrics`: character error rate;
- :mod:`support.pdfmaker`, :mod:`support.pdfs`, :mod:`support.verifytools`: PDFs to sign and
  verify, independent verifiers (pdfsig, openssl, pyHanko);
- :mod:`support.archive`: fake PDFs and the crash worker of the archive tests;
- :mod:`support.doctor`: running `trams doctor` in-process.
"""
