-- shop-mzsql: skip if SELECT 1 FROM mz_clusters WHERE name = '${CLUSTER:-shop}'
CREATE CLUSTER ${CLUSTER:-shop} (SIZE = '${SIZE:-25cc}');
