"""PAdES signing and verification on pyHanko (installed as ``trams.signing``)."""
