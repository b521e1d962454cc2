"""The Rules of Decree No. 1037 as a pure engine: parties, letter kinds, routes, deadlines."""
