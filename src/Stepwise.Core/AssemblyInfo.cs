// Stepwise.Core is pure: wall-clock time, unseeded randomness and I/O are banned by
// eng/BannedSymbols.txt (BannedApiAnalyzers). Time and randomness come in as arguments.
