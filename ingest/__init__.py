"""Source readers, one module per kind of source; installed as ``kg.ingest``.

Each reader turns a source into records that carry their location in the source. Readers write no
RDF and never touch the store: ``kg.build`` maps their records to RDF.
"""
