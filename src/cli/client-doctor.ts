// `ftpgate doctor URL`: run the data-connection diagnostics and print the table and the findings.
import type { Command } from 'commander';
import { runDoctor, formatDoctorReport } from '../client/doctor.js';
import { addCommonOptions, clientOptionsFrom, type CommonFlags } from './client-options.js';
import { EXIT, EXIT_HELP } from './client-exit-codes.js';
import { runAction } from './client-commands.js';

export function registerDoctor(program: Command): void {
  addCommonOptions(program.command('doctor').argument('<url>', 'server URL (the path, if any, is the directory listed by each probe)')
    .description('try PASV, EPSV, PORT and EPRT one by one, in clear and with TLS, and explain what fails and how to fix it')
    .option('--json', 'print the report as JSON'))
    .addHelpText('after', EXIT_HELP + '\n  (doctor: 0 all modes work, 9 some fail or need fixing, 6 no data connection works at all)')
    .action((url: string, flags: CommonFlags & { json?: boolean }) => runAction('doctor', async () => {
      const dataTimeout = flags.dataTimeout === '10' ? '5' : flags.dataTimeout;
      const { url: u, options } = await clientOptionsFrom(url, { ...flags, dataTimeout });
      const report = await runDoctor(options, {
        path: u.path,
        onProbe: (p) => { if (!flags.json && !flags.quiet) process.stderr.write(`probe ${p.tls ? 'TLS ' : ''}${p.command}: ${p.ok ? 'ok' : 'failed'}\n`); },
      });
      process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctorReport(report));
      if (!report.control.ok) return report.findings[0]?.title === 'login refused' ? EXIT.LOGIN : EXIT.CONNECT;
      if (report.probes.length && report.probes.every((p) => !p.ok)) return EXIT.DATA_CONNECTION;
      return report.findings.length ? EXIT.PARTIAL : EXIT.OK;
    }));
}
