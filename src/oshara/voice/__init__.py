"""The voice runtime: Pipecat pipelines for live calls and text sessions."""
