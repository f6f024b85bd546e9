import { specJsonSchema } from '../../index.js';
import { usageError } from '../../errors.js';
import { type Command } from './command.js';

export const schemaCommand: Command = {
  name: 'schema',
  summary: "print the spec's JSON Schema",
  usage: 'pith schema\n\nPrints the JSON Schema of pith.yaml (draft 2020-12), for editors and validators.\n',
  async run(args) {
    if (args.length > 0) throw usageError('schema: takes no arguments');
    process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    return 0;
  },
};
