"""mirograph: long-horizon research agents on LangGraph."""
