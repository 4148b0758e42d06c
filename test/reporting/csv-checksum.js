/**
 * Reads an export CSV with csv-parse (an RFC 4180 reader other than the writer) and prints, as JSON,
 * its header, its record and order counts, how many orders came out of creation-time order, and a
 * checksum of every field of every record: the sum of the first 60 bits of md5(fields joined by
 * U+001F), which the test computes the same way in SQL on the primary. A plain Node process, because
 * byte-level parsing runs about six times slower inside Jest's module sandbox.
 *
 * usage: node test/reporting/csv-checksum.js FILE
 */
const { createReadStream } = require('node:fs');
const { createHash } = require('node:crypto');
const { parse } = require('csv-parse');

const ID = 0;
const CREATED_AT = 11;

async function main(file) {
  let header;
  let rows = 0;
  let orders = 0;
  let outOfOrder = 0;
  let lastId = '';
  let lastCreatedAt = '';
  let sum = 0n;
  for await (const record of createReadStream(file).pipe(parse())) {
    if (!header) {
      header = record;
      continue;
    }
    rows++;
    if (record[ID] !== lastId) {
      orders++;
      lastId = record[ID];
      if (record[CREATED_AT] < lastCreatedAt) outOfOrder++;
      lastCreatedAt = record[CREATED_AT];
    }
    sum += BigInt(`0x${createHash('md5').update(record.join('\x1f')).digest('hex').slice(0, 15)}`);
  }
  process.stdout.write(JSON.stringify({ header, rows, orders, outOfOrder, checksum: sum.toString() }));
}

main(process.argv[2]).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
