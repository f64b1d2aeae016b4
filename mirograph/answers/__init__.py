"""What a run answers with: the sources it retrieved, the citations that point at them,
and the final answer and report built from both."""
