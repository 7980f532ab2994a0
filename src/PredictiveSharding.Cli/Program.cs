using System.CommandLine;
using PredictiveSharding.Cli.Commands;

var root = new RootCommand("psharding: predictive re-sharding tools — forecast evaluation, planning, move torture tests and trace simulation.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
