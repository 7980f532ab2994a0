using System.CommandLine;
using System.Text.Json;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// <c>psharding move-check</c>: a torture test of range moves on real RocksDB nodes. It loads keys, runs foreground
/// writers and readers through the routing table, executes seeded splits and moves while killing and restarting the
/// executor, and checks every acknowledged write.
/// </summary>
/// <remarks>
/// Definitions (see <see cref="MoveCheckReport"/>): a write is acknowledged when the owning node returned Ok; it is lost
/// when the final owner holds an older version of the key (or none); a read is stale when the owner the routing named
/// returned a version older than the last write acknowledged before the read began; a key is double-owned when a node
/// other than its final owner still holds it, or when two routes of one published routing version claim it. Exit code
/// 0 when all three are zero, 1 otherwise; 2 for an option out of range or when the check cannot run (its nodes' folder
/// cannot be created in the temporary folder); 130 cancelled (Ctrl+C).
/// </remarks>
internal static class MoveCheckCommand
{
    public static Command Create()
    {
        var defaults = new MoveCheckSettings();
        var keys = new Option<int>("--keys") { Description = "Keys loaded before the moves start.", DefaultValueFactory = _ => defaults.Keys };
        var writers = new Option<int>("--writers") { Description = "Foreground threads; each writes its own keys and reads any key through the routing table.", DefaultValueFactory = _ => defaults.Writers };
        var moves = new Option<int>("--moves") { Description = "Move actions to execute (a plan may split the partition first).", DefaultValueFactory = _ => defaults.Moves };
        var crashes = new Option<int>("--crashes") { Description = "Times the executor is killed at a random call and a new one recovers from the journal.", DefaultValueFactory = _ => defaults.Crashes };
        var seed = new Option<int>("--seed") { Description = "Seed of the plans, the crash points and the traffic.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<bool>("--json") { Description = "Print only the result as one JSON object." };
        var command = new Command("move-check", "Torture-test range moves on an in-process RocksDB cluster: concurrent writers and readers, splits and moves, executor crashes and recovery; then check every acknowledged write.");
        command.Options.Add(keys);
        command.Options.Add(writers);
        command.Options.Add(moves);
        command.Options.Add(crashes);
        command.Options.Add(seed);
        command.Options.Add(json);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var settings = defaults with
            {
                Keys = result.GetValue(keys),
                Writers = result.GetValue(writers),
                Moves = result.GetValue(moves),
                Crashes = result.GetValue(crashes),
                Seed = result.GetValue(seed),
            };
            return await RunAsync(settings, result.GetValue(json), Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the check and prints the report; returns the exit code.</summary>
    internal static async Task<int> RunAsync(MoveCheckSettings settings, bool json, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            settings.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            await error.WriteLineAsync(CliErrorText.Of(ex)).ConfigureAwait(false);
            return 2;
        }

        // With --json, stdout carries the one object only; the running commentary goes nowhere.
        var log = json ? TextWriter.Null : output;
        MoveCheckReport report;
        try
        {
            report = await new MoveCheckRunner(settings, log).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("move-check: cancelled; no report.").ConfigureAwait(false);
            return SimulateCommand.CancelledExitCode;
        }
        catch (MoveCheckEnvironmentException e)
        {
            // Exit code 1 says the check ran and found a violation; a check that could not run has no verdict.
            await error.WriteLineAsync($"move-check: {e.Message}; no verdict.").ConfigureAwait(false);
            return 2;
        }

        if (report.Crashes < settings.Crashes)
        {
            // A crash point is drawn among the calls a run is expected to make; a run that ends first hands its crash to the
            // next plan, and the last plan's leftovers never come due. Said, so a reader does not take --crashes as done.
            await error.WriteLineAsync(FormattableString.Invariant($"move-check: {report.Crashes} of the {settings.Crashes} crashes asked for happened: the moves ended before the rest came due (more --moves leave room for more).")).ConfigureAwait(false);
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(report, MoveCheckJsonContext.Default.MoveCheckReport)).ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync(FormattableString.Invariant(
                $"acknowledged writes {report.AcknowledgedWrites}, lost {report.LostWrites}, stale reads {report.StaleReads}, double-owned keys {report.DoubleOwnedKeys}; moves completed {report.MovesCompleted}, rolled back {report.MovesRolledBack}, resumed after a crash {report.MovesResumed}; crashes {report.Crashes}; verified keys {report.VerifiedKeys}; {report.Seconds:0.0} s — {(report.Passed ? "PASS" : "FAIL")}")).ConfigureAwait(false);
        }

        return report.Passed ? 0 : 1;
    }
}
