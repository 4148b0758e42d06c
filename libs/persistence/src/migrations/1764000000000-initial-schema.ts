import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders, customers, stock, API keys and the outbox. The constraints back the invariants:
 * one order per (customer, clientOrderId), order numbers unique per customer, stock never
 * negative, a rejection reason exactly on rejected orders.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customers (
        id varchar(64) PRIMARY KEY,
        currency char(3) NOT NULL,
        credit_limit_cents bigint CHECK (credit_limit_cents >= 0),
        open_balance_cents bigint NOT NULL DEFAULT 0 CHECK (open_balance_cents >= 0),
        last_order_number integer NOT NULL DEFAULT 0 CHECK (last_order_number >= 0),
        fence_token bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer_id varchar(64) NOT NULL REFERENCES customers (id),
        client_order_id varchar(64) NOT NULL,
        order_number integer NOT NULL CHECK (order_number > 0),
        status varchar(16) NOT NULL CHECK (status IN ('CONFIRMED', 'REJECTED', 'CANCELLED')),
        rejection_reason varchar(32)
          CHECK (rejection_reason IN ('CURRENCY_MISMATCH', 'CREDIT_LIMIT_EXCEEDED', 'INSUFFICIENT_STOCK')),
        currency char(3) NOT NULL,
        total_cents bigint NOT NULL CHECK (total_cents >= 0),
        shipping_address jsonb,
        metadata jsonb,
        source varchar(8) NOT NULL CHECK (source IN ('http', 'sqs')),
        request_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT orders_customer_client_order_id_key UNIQUE (customer_id, client_order_id),
        CONSTRAINT orders_customer_order_number_key UNIQUE (customer_id, order_number),
        CONSTRAINT orders_rejection_reason_iff_rejected CHECK ((status = 'REJECTED') = (rejection_reason IS NOT NULL))
      )`);
    // The index on created_at is the reporting migration's covering one.
    await queryRunner.query(`
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no smallint NOT NULL,
        sku varchar(64) NOT NULL,
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
        unit_price_cents bigint NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 100000000),
        PRIMARY KEY (order_id, line_no)
      )`);
    await queryRunner.query(`
      CREATE TABLE inventory (
        sku varchar(64) PRIMARY KEY,
        available integer NOT NULL CHECK (available >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL,
        key_hash char(64) NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    // Outcome events written in the order's transaction; a relay publishes them in `id` order.
    await queryRunner.query(`
      CREATE TABLE outbox_events (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        customer_id varchar(64) NOT NULL,
        type varchar(32) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_events_unpublished_idx ON outbox_events (id) WHERE published_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['outbox_events', 'api_keys', 'inventory', 'order_items', 'orders', 'customers']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
