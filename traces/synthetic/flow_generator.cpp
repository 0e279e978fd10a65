// placeholder, replaced by the synthetic generator implementation
