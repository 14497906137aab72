"""The approval queue (审核): department review, then authority review, then publication."""
