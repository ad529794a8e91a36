SELECT 1;
  -- shop-mzsql: skip if SELECT "x
