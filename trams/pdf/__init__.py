"""PDF/A assembly with pikepdf: page images, invisible text layer, archival metadata."""
