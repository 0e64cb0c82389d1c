-- Search indexes what was said and the judge's reasoning, not the transcript's keys and speaker
-- labels ("user", "assistant" matched every attempt before). Entries name their text `content`,
-- `text` or `message` (RevRing does not document which; see revring-api.md §6).

DROP INDEX attempts_search;
ALTER TABLE attempts DROP COLUMN search;
ALTER TABLE attempts ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(reasoning, '')), 'B')
    || jsonb_to_tsvector(
        'english',
        jsonb_path_query_array(transcript, '$[*].content')
            || jsonb_path_query_array(transcript, '$[*].text')
            || jsonb_path_query_array(transcript, '$[*].message'),
        '["string"]'
    )
) STORED;
CREATE INDEX attempts_search ON attempts USING gin (search);
