-- The shop's tables: the original ecommerce demo's columns and types, plus
-- warehouse_orders for restocking. Used by shop-seed (compiled in) and by the compose
-- stack's MySQL initialisation. Run it with the target database selected (USE shop);
-- it names no database itself so tests can use their own.
--
-- Differences from the original, on purpose:
-- * `id SERIAL PRIMARY KEY` is spelled out as SERIAL's type (BIGINT UNSIGNED NOT NULL
--   AUTO_INCREMENT) without the redundant second UNIQUE index SERIAL adds.
-- * purchases references users and items with real foreign keys (the original's inline
--   `REFERENCES user(id)` named tables that do not exist and was ignored by MySQL).
-- * No ENUM or YEAR columns: Materialize's MySQL source would need TEXT COLUMNS for them.
--
-- Keep one statement per `;`-terminated line group: shop-seed splits this file on
-- semicolons at the end of a line.

CREATE TABLE IF NOT EXISTS users (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    email VARCHAR(255),
    is_vip BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS items (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name VARCHAR(100),
    category VARCHAR(100),
    price DECIMAL(7,2),
    inventory INT,
    inventory_updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS purchases (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id BIGINT UNSIGNED,
    item_id BIGINT UNSIGNED,
    status TINYINT UNSIGNED DEFAULT 1,
    quantity INT UNSIGNED DEFAULT 1,
    purchase_price DECIMAL(12,2),
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    CONSTRAINT purchases_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT purchases_item_fk FOREIGN KEY (item_id) REFERENCES items (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Restocking (shop-restock): one row per order to the warehouse. status is 'placed'
-- until delivered, then 'delivered' with delivered_at set.
CREATE TABLE IF NOT EXISTS warehouse_orders (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    item_id BIGINT UNSIGNED NOT NULL,
    quantity INT UNSIGNED NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'placed',
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    delivered_at TIMESTAMP NULL DEFAULT NULL,
    PRIMARY KEY (id),
    KEY warehouse_orders_item_status (item_id, status),
    CONSTRAINT warehouse_orders_item_fk FOREIGN KEY (item_id) REFERENCES items (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
