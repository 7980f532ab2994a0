using System.Text.Json;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Cli.Formats;

/// <summary>
/// <see cref="ShardingPlan"/> → plan.json. Split keys are written as UTF-8 text, or as <c>0x</c> and hex when a key
/// is not printable text (<see cref="Keys.ShardKey.ToString"/>).
/// </summary>
internal static class PlanJson
{
    public static PlanDocument ToDocument(ShardingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new PlanDocument
        {
            Feasible = plan.Feasible,
            Actions = [.. plan.Actions.Select(ToDocument)],
            Before = ToDocument(plan.Before),
            After = ToDocument(plan.After),
            MovedBytes = plan.MovedBytes,
            PlanMillis = (long)Math.Round(plan.PlanTime.TotalMilliseconds),
            StoppedAtTimeLimit = plan.StoppedAtTimeLimit,
            Shortfall = Math.Round(plan.Shortfall, 6),
            Warnings = [.. plan.Warnings],
        };
    }

    public static void Write(PlanDocument document, Stream stream) =>
        JsonFile.Write(stream, document, JsonFile.Output.PlanDocument);

    public static string Serialize(PlanDocument document) =>
        JsonSerializer.Serialize(document, JsonFile.Output.PlanDocument);

    public static PlanDocument Read(Stream stream, string file) =>
        JsonFile.Read(stream, file, PlanJsonContext.Default.PlanDocument);

    private static PlanActionDocument ToDocument(ShardingAction action) => action switch
    {
        SplitAction split => new PlanActionDocument
        {
            Type = "split",
            Partition = split.Partition.Value,
            SplitKeys = [.. split.SplitKeys.Select(k => k.ToString())],
            NewPartitions = [.. split.NewPartitions.Select(p => p.Value)],
            Reason = split.Reason,
        },
        MoveAction move => new PlanActionDocument
        {
            Type = "move",
            Shard = move.Shard.Value,
            From = move.From.Value,
            To = move.To.Value,
            Bytes = move.Bytes,
            DurationSeconds = Math.Round(move.EstimatedDuration.TotalSeconds, 3),
            StartBy = move.StartBy,
            Reason = move.Reason,
        },
        MergeAction merge => new PlanActionDocument
        {
            Type = "merge",
            Partitions = [merge.Left.Value, merge.Right.Value],
            NewPartitions = [merge.Merged.Value],
            Reason = merge.Reason,
        },
        _ => throw new ArgumentException($"plan.json has no form for a {action.GetType().Name}.", nameof(action)),
    };

    private static UtilizationDocument ToDocument(UtilizationSummary summary) => new()
    {
        MaxUtilization = Math.Round(summary.MaxUtilization, 6),
        Node = summary.Node.Value,
        Resource = summary.Resource.Name,
        Step = summary.Step,
    };
}
