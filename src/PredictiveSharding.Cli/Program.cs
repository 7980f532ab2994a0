using System.CommandLine;
using PredictiveSharding.Cli.Commands;

var root = new RootCommand("psharding: predictive re-sharding tools — forecast evaluation, planning, move torture tests and trace simulation.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);

// A value that does not parse or an unknown option is bad input like any other: exit code 2 and the reason on stderr,
// not System.CommandLine's exit code 1 with the help on stdout (where --json promises exactly one JSON object).
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync("psharding: " + error.Message).ConfigureAwait(false);
    }

    var name = parsed.CommandResult.Command == root ? "psharding" : "psharding " + parsed.CommandResult.Command.Name;
    await Console.Error.WriteLineAsync($"'{name} --help' lists the options.").ConfigureAwait(false);
    return 2;
}

return await parsed.InvokeAsync().ConfigureAwait(false);
