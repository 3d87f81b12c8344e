-- Departures per origin and hour, with the average delay: a batch over the file (it ends).
CREATE TABLE flights (
  flight      STRING,
  origin      STRING,
  dest        STRING,
  airline     STRING,
  dep_time    TIMESTAMP(3),
  delay_min   INT,
  distance_km INT,
  price_eur   DECIMAL(10, 2),
  WATERMARK FOR dep_time AS dep_time - INTERVAL '1' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'flights.csv', 'format' = 'csv');

SELECT window_start, origin, COUNT(*) AS departures, ROUND(AVG(delay_min), 1) AS avg_delay, MAX(delay_min) AS worst
FROM TABLE(TUMBLE(TABLE flights, DESCRIPTOR(dep_time), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, origin
ORDER BY window_start, origin;
