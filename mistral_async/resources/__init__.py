"""One module per API area: typed methods that describe a request and its response model."""
