using System.CommandLine;
using System.Globalization;
using PredictiveSharding.Cli.Commands;

// Numbers use a decimal point whatever the user's locale, in what psharding reads and in what it prints (tables,
// progress, --json): fractional options also parse invariantly on their own (InvariantNumberOptions), and this covers
// the rest, since a table read "0,8" beside documents and defaults that write 0.8.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var root = new RootCommand("psharding: predictive re-sharding tools — forecast evaluation, planning, move torture tests and trace simulation.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await CliHost.RunAsync(root, args, Console.Error, CliHost.StackTraceRequested).ConfigureAwait(false);
