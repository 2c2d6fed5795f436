"""Narrators: storyline planning and line writing behind one interface (embedded, LLM)."""
