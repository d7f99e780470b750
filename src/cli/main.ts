import { Command, CommanderError } from 'commander';
import { auditCommands } from './commands/audit.ts';
import { clientCommands } from './commands/clients.ts';
import { keyCommands } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { userCommands } from './commands/users.ts';
import { UsageError } from './context.ts';

/** Exit codes: 0 done, 1 the operation failed, 2 the command line was wrong. */
function buildProgram(): Command {
  const program = new Command('stepup').description('Administer a Stepup server: client applications, users, the audit log and keys').showHelpAfterError();

  clientCommands(program);
  userCommands(program);
  auditCommands(program);
  keyCommands(program);
  migrateCommand(program);

  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      console.error(`stepup: ${error.message}`);
      return 2;
    }
    // the operation failed (an AppError, ConfigError, StoreUnavailableError, MigrationError…): its message says
    // why. No instanceof here, so that those classes and their modules load with a command, not for --help
    console.error(`stepup: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
