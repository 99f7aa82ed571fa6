-- The loyalty question after the rating (NPS): how likely the visitor is to recommend the business, 0–10.
ALTER TABLE ratings ADD COLUMN recommend BIGINT;
