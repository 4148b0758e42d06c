import { DotenvError, formatDotenv, parseDotenv } from './dotenv';

describe('dotenv bundles', () => {
  it('reads NAME=value lines, skipping blanks and comments, removing one pair of quotes, keeping = in values', () => {
    const values = parseDotenv('# comment\n\nDATABASE_URL=postgres://u:p@h/db?sslmode=require\r\nKEY="a b=c"\nOTHER=\'x\'\nEMPTY=\n');
    expect([...values]).toEqual([
      ['DATABASE_URL', 'postgres://u:p@h/db?sslmode=require'],
      ['KEY', 'a b=c'],
      ['OTHER', 'x'],
      ['EMPTY', ''],
    ]);
    expect(parseDotenv(formatDotenv(values))).toEqual(values);
  });

  it('names the line of a bad or repeated entry, never its value', () => {
    expect(() => parseDotenv('A=1\nlower=secret-value')).toThrow(new DotenvError('line 2: expected NAME=value with an upper-case NAME'));
    expect(() => parseDotenv('A=1\nA=secret-value')).toThrow(new DotenvError('line 2: A is set twice'));
    expect(() => parseDotenv('just-a-secret-value')).toThrow(/^line 1: expected NAME=value/);
  });

  it('refuses to write a value spanning lines', () => {
    expect(() => formatDotenv(new Map([['A', 'x\ny']]))).toThrow('A: a value cannot span lines');
  });
});
