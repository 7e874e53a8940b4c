package kv

// initialMmapSize is 0 on Windows: there bbolt grows the file itself to the size of its map, so a map sized up front
// would make every database file that large.
const initialMmapSize = 0
