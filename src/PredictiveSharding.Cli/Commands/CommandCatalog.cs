using System.CommandLine;

namespace PredictiveSharding.Cli.Commands;

/// <summary>The subcommands of psharding; each lives in its own file and is listed here.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return MoveCheckCommand.Create();
        yield return ForecastEvalCommand.Create();
        yield return SimulateCommand.Create();
        yield return PlanCommand.Create();
        yield break;
    }
}
