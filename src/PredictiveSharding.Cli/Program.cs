using System.CommandLine;
using PredictiveSharding.Cli.Commands;

var root = new RootCommand("psharding: predictive re-sharding tools — forecast evaluation, planning, move torture tests and trace simulation.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad input exits 2 with the reason on stderr, as every command documents; System.CommandLine's own handling of a
    // parse error (an unknown option, a value of the wrong type) would exit 1 and print the help on stdout.
    foreach (var error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync("psharding: " + error.Message).ConfigureAwait(false);
    }

    await Console.Error.WriteLineAsync("Run 'psharding <command> --help' for the options.").ConfigureAwait(false);
    return 2;
}

return await parsed.InvokeAsync().ConfigureAwait(false);
