"""The embedded narrator's writer (issue #23): typed facts of the product card, whole spoken sentences from
the sentence bank (resources/narrator/bank/), a last check on every line and a fluency score for ties.

- `facts`: a knowledge card split, cleaned and typed into the bank's slot types (`read_card`).
- `bank`: the sentence bank's units, per kind of product and storyline label.
- `check`: `reads_wrong(line, card)`, the one last check every line (embedded or LLM) goes through.
- `fluency`: a character n-gram model that breaks ties between good candidates.
- `composer`: a clip's line as one to three bank units with their slots filled.
"""
