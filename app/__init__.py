"""TRAMS as a library: one function per use case (installed as ``trams.app``).

Each takes the loaded configuration and typed options and returns a typed report that
carries its exit code (``report.exit_code``); the command line (``trams.cli``) parses
options, calls one of these and renders the report. A scheduler, a test or a web front end
calls the same functions. Errors of the whole operation are raised as
:class:`~trams.errors.TramsError` (with their exit code); one item's failure is in the
report.

========================  =======================================  =====================
use case                  function                                 report
========================  =======================================  =====================
``trams run``             :func:`trams.app.run.run`                ``RunSummary``
``trams demo``            :func:`trams.app.demo.demo`              ``RunSummary``
``trams ocr``             :func:`trams.app.ocr.ocr_files`          ``OcrReport``
``trams sign``            :func:`trams.app.sign.sign_files`        ``SignReport``
``trams sign --extend``   :func:`trams.app.sign.extend_files`      ``ExtendReport``
``trams verify``          :func:`trams.app.verify.verify_paths`    ``VerifyReport``
``trams archive add``     :func:`trams.app.archive.archive_add`    ``ArchiveAddReport``
``trams archive check``   :func:`trams.app.archive.archive_check`  ``CheckReport``
``trams archive stats``   :func:`trams.app.archive.archive_stats`  ``StatsReport``
``trams keys list``       :func:`trams.app.keys.list_keys`         ``KeysReport``
``trams coversheet``      :func:`trams.app.coversheet.coversheet`  ``CoversheetReport``
``trams doctor``          :func:`trams.app.doctor.doctor`          ``DoctorReport``
``trams init``            :func:`trams.app.init.init`              ``InitResult``
========================  =======================================  =====================

Secrets (PINs, passphrases) come from the environment variable or file trams.toml names;
when none is configured, from the ``prompter`` the caller injects (the CLI's asks on a
terminal; the default refuses), never from options.

Imports run one way: ``trams.cli`` -> ``trams.app`` -> ``trams.scanning``,
``trams.signing`` -> ``trams`` (the core).
"""
