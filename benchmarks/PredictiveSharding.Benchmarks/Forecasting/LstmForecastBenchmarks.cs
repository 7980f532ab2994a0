using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Forecasting.Onnx;

namespace PredictiveSharding.Benchmarks.Forecasting;

/// <summary>
/// Forecasting 10,000 partitions × 24 steps with the default network (2 × 40 cells, context 24): the managed forward
/// pass and ONNX Runtime running the exported model on the same assembled batch, in the same run; and the whole
/// <see cref="LstmForecaster.ForecastAsync"/> call (feature assembly from a <see cref="LoadHistory"/> included). "FMA
/// peak, same FLOPs" runs the forward pass's FLOPs at the machine's measured peak, so its ratio is the share of peak.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MemoryDiagnoser]
public class LstmForecastBenchmarks
{
    private const int Partitions = 10_000;
    private LstmModel _model = null!;
    private float[] _x = null!;
    private float[] _future = null!;
    private float[] _scale = null!;
    private float[] _output = null!;
    private InferenceSession _session = null!;
    private OrtValue[] _ortInputs = null!;
    private string[] _ortInputNames = null!;
    private float[] _ortOutput = null!;
    private OrtValue[] _ortOutputs = null!;
    private string[] _ortOutputNames = null!;
    private RunOptions _runOptions = null!;
    private LstmForecaster _forecaster = null!;
    private ForecastRequest _request = null!;
    private double _flops;

    /// <summary>
    /// Whether ONNX Runtime's worker threads spin while waiting (its default). A stopwatch harness on a shared machine
    /// turns it off so that process CPU time compares work done rather than waiting.
    /// </summary>
    public bool OrtAllowSpinning { get; set; } = true;

    [GlobalSetup]
    public void Setup()
    {
        _model = LstmBenchmarkData.DefaultModel();
        var net = _model.Network;
        var random = new Random(3);
        var steps = _model.Spec.ContextLength;
        _x = LstmBenchmarkData.RandomArray(random, steps * Partitions * net.InputSize, -1, 2);
        _future = LstmBenchmarkData.RandomArray(random, Partitions * net.FutureSize, 0, 2);
        _scale = LstmBenchmarkData.RandomArray(random, Partitions, 1, 500);
        _output = new float[Partitions * net.HeadOutputSize];

        using var onnx = new MemoryStream();
        LstmOnnxExporter.Write(_model, onnx);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (!OrtAllowSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        _session = new InferenceSession(onnx.ToArray(), sessionOptions);
        _ortInputs =
        [
            OrtValue.CreateTensorValueFromMemory(_x, [steps, Partitions, net.InputSize]),
            OrtValue.CreateTensorValueFromMemory(_future, [Partitions, net.FutureSize]),
            OrtValue.CreateTensorValueFromMemory(_scale, [Partitions, 1]),
        ];
        _ortInputNames = ["x", "future", "scale"];

        // ONNX Runtime writes into a buffer allocated here, as the managed pass writes into _output: allocating and
        // copying a fresh 10k-row output on every call would charge ONNX Runtime with work the baseline does not do.
        _ortOutput = new float[Partitions * net.HeadOutputSize];
        _ortOutputs = [OrtValue.CreateTensorValueFromMemory(_ortOutput, [Partitions, net.HeadOutputSize])];
        _ortOutputNames = ["quantiles"];
        _runOptions = new RunOptions();

        // A forecaster carrying the same model, fed a history of 24 + 168 buckets per partition (context plus weekly lag).
        using var saved = new MemoryStream();
        PredictiveSharding.Forecasting.Persistence.LstmModelSerializer.Write(_model, saved);
        saved.Position = 0;
        _forecaster = LstmForecaster.Load(saved);
        _request = new ForecastRequest(LstmBenchmarkData.History(Partitions, steps + 168), _model.Spec.Horizon);

        var managed = Managed();
        var ort = OnnxRuntime();
        var worst = 0.0;
        for (var i = 0; i < managed.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(managed[i] - ort[i]) / Math.Max(1, Math.Abs(managed[i])));
        }

        Console.WriteLine($"// managed vs ONNX Runtime, largest relative difference over {managed.Length} outputs: {worst:E2}");
        _flops = 2.0 * Partitions * net.ForwardMultiplyAdds(steps);
        Console.WriteLine($"// FLOPs per forecast of {Partitions} partitions: {_flops / 1e9:F2} GFLOP; machine peak, measured ({FmaPeak.Instructions} on {Environment.ProcessorCount} cores): {FmaPeak.MeasureGflops():F0} GFLOP/s");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var value in _ortInputs.Concat(_ortOutputs))
        {
            value.Dispose();
        }

        _runOptions.Dispose();
        _session.Dispose();
    }

    [Benchmark(Baseline = true, Description = "managed LSTM, 10k×24")]
    public float[] Managed()
    {
        _model.PredictAssembled(_x, _future, _scale, Partitions, _output, Environment.ProcessorCount);
        return _output;
    }

    [Benchmark(Description = "ONNX Runtime, same batch")]
    public float[] OnnxRuntime()
    {
        _session.Run(_runOptions, _ortInputNames, _ortInputs, _ortOutputNames, _ortOutputs);
        return _ortOutput;
    }

    /// <summary>
    /// The same FLOPs as one managed forecast, run as register-only FMAs on every core: the time the forecast would take
    /// at the machine's peak. Its ratio to the baseline is the share of peak the managed forward pass reaches.
    /// </summary>
    [Benchmark(Description = "FMA peak, same FLOPs")]
    public void PeakFma() => FmaPeak.Run(_flops);

    [Benchmark(Description = "LstmForecaster.ForecastAsync, 10k partitions")]
    public Task<LoadForecast> ForecastAsync() => _forecaster.ForecastAsync(_request, CancellationToken.None);
}
