package db

// Hot reads, those every request of the recipient portal makes, run on
// the reader pool, whose statement cache (stmts.go) keeps them prepared:
// the SQLite driver keeps no statement cache of its own, and parsing a
// join costs more than running it.
func (s *Store) hot() conn { return s.reader() }
