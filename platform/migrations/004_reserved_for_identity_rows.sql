-- A placeholder for migration 4 (the identity rows, made on another branch): tern refuses a gap in the numbers.
-- Delete this file when that branch's 004 is merged.
SELECT 1;
