"""Each page's controls and "Try this" experiments as data, one module per page."""
