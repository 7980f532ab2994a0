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
