using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;

namespace PredictiveSharding.Benchmarks.Forecasting;

/// <summary>
/// Training cost of the default network. <see cref="Epoch"/> is a whole fit of one epoch of 4,096 windows, set-up
/// included (features of the 1,000 series, the network's initialisation and the validation pass), so the windows/s and
/// GFLOP/s it prints are over that fit and understate the epoch's own throughput. The GFLOP/s figure, printed at the
/// end of each run, counts a training window as 3 forward passes: forward, and a backward pass of twice the forward's
/// multiply-adds. <see cref="Fit1000x2000"/> is the target run: a full default fit of 1,000 hourly series × 2,000 steps,
/// measured once, with the model's file size and the process's peak working set.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public class LstmTrainingBenchmarks
{
    private LoadHistory _history = null!;
    private LstmForecaster _last = null!;
    private long _windows;
    private Stopwatch _clock = null!;
    private double _peakGflops;

    [GlobalSetup]
    public void Setup()
    {
        _history = LstmBenchmarkData.History(1000, 2000);
        _clock = new Stopwatch();
        _peakGflops = FmaPeak.MeasureGflops();
    }

    [Benchmark(Description = "one epoch, 4,096 windows, 1,000 series")]
    public async Task Epoch()
    {
        var options = new LstmForecasterOptions { Epochs = 1 };
        _clock.Restart();
        _last = new LstmForecaster(options);
        await _last.FitAsync(_history, null, CancellationToken.None);
        _clock.Stop();
        _windows = options.WindowsPerEpoch;
        Report("epoch");
    }

    [Benchmark(Description = "default fit, 1,000 series × 2,000 hourly steps")]
    public async Task Fit1000x2000()
    {
        var epochs = 0;
        var options = new LstmForecasterOptions();
        _clock.Restart();
        _last = new LstmForecaster(options);
        await _last.FitAsync(_history, new Progress(p => epochs = p.Epoch), CancellationToken.None);
        _clock.Stop();
        _windows = (long)epochs * options.WindowsPerEpoch;
        Report($"fit ({epochs} epochs)");
    }

    private void Report(string what)
    {
        var model = _last.Model!;
        var seconds = _clock.Elapsed.TotalSeconds;
        var windowsPerSecond = _windows / seconds;
        var flopsPerWindow = 3.0 * 2 * model.Network.ForwardMultiplyAdds(model.Spec.ContextLength);
        var gflops = windowsPerSecond * flopsPerWindow / 1e9;
        using var file = new MemoryStream();
        _last.Save(file);
        Console.WriteLine($"// {what}: {seconds:F1} s, {_windows} windows, {windowsPerSecond:F0} windows/s, ~{gflops:F1} GFLOP/s ({100 * gflops / _peakGflops:F1}% of the measured {_peakGflops:F0} peak); " +
            $"{model.Network.Parameters.Length} parameters, model file {file.Length} bytes; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB");
    }

    /// <summary>Reports synchronously, so the epoch count is final when the fit returns.</summary>
    private sealed class Progress(Action<ForecasterProgress> report) : IProgress<ForecasterProgress>
    {
        public void Report(ForecasterProgress value) => report(value);
    }
}
