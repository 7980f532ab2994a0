using System.Globalization;
using PredictiveSharding.Simulation;
using Spectre.Console;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Shows a simulation's progress on stderr: a live Spectre.Console progress bar per replay when stderr is a terminal,
/// otherwise one line per replay and phase (so logs and tests stay readable).
/// </summary>
internal sealed class SimulateProgressDisplay : IProgress<SimulationProgress>
{
    private readonly TextWriter _error;
    private readonly Dictionary<int, ProgressTask> _tasks = [];
    private ProgressContext? _context;
    private (int Run, string Phase) _lastLine = (-1, string.Empty);

    private SimulateProgressDisplay(TextWriter error)
    {
        _error = error;
    }

    /// <summary>Runs <paramref name="work"/> while showing its progress.</summary>
    public static async Task<T> RunAsync<T>(TextWriter error, bool interactive, Func<IProgress<SimulationProgress>, Task<T>> work)
    {
        var display = new SimulateProgressDisplay(error);
        if (!interactive)
        {
            return await work(display).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                display._context = context;
                return await work(display).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    public void Report(SimulationProgress value)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"[{value.Run}/{value.TotalRuns}] {value.Strategy}");
        if (_context is null)
        {
            if (_lastLine != (value.Run, value.Phase) && (value.Phase != "replay" || value.Step == 0))
            {
                _lastLine = (value.Run, value.Phase);
                _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"simulate: {label}: {(value.Phase == "train" ? "training the forecaster on the warm-up" : "replaying")} ({value.TotalSteps} steps)"));
            }

            return;
        }

        if (!_tasks.TryGetValue(value.Run, out var task))
        {
            task = _context.AddTask(Markup.Escape(label), maxValue: value.TotalSteps);
            _tasks[value.Run] = task;
        }

        task.Description = Markup.Escape(value.Phase == "train" ? label + " (training)" : label);
        task.Value = value.Step;
    }
}
