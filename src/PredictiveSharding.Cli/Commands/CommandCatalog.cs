using System.CommandLine;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The subcommands of psharding; each lives in its own file and is listed here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return InvariantNumberOptions.Apply(MoveCheckCommand.Create());
        yield return InvariantNumberOptions.Apply(ForecastEvalCommand.Create());
        yield return InvariantNumberOptions.Apply(SimulateCommand.Create());
        yield return InvariantNumberOptions.Apply(PlanCommand.Create());
        yield break;
    }
}
