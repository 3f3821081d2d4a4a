/** The version of this library, written into every backup's metadata. Kept equal to package.json by a test. */
export const LIBRARY_VERSION = "0.1.0";

/** The name written as `metadata.format`, identifying files of this library. */
export const FORMAT_NAME = "neo4j-backup";

/** The backup file format version this library writes. */
export const FORMAT_VERSION = 2;
