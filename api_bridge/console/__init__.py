"""The review and operations console, served by the bridge at /ui."""
