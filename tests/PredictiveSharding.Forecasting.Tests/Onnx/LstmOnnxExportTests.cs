using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Forecasting.Tests.Lstm;

namespace PredictiveSharding.Forecasting.Tests.Onnx;

/// <summary>
/// The independent check that our LSTM is an LSTM: ONNX Runtime's own LSTM kernel, fed the exported weights, must give
/// the managed forward pass's outputs within 1e-4.
/// </summary>
public sealed class LstmOnnxExportTests
{
    [TestCase(1, 8, 3, 1, new[] { 24 }, false, 0)]
    [TestCase(2, 6, 4, 4, new[] { 24, 168 }, false, 0)]
    [TestCase(3, 20, 5, 2, new int[0], false, 0)]
    [TestCase(1, 8, 3, 1, new[] { 24 }, true, 0)]
    [TestCase(2, 6, 4, 4, new[] { 24, 168 }, true, 0)]
    [TestCase(2, 5, 3, 3, new int[0], true, 0)]
    [TestCase(2, 6, 4, 4, new[] { 24, 168 }, true, 3)]
    public void ExportedModel_RunByOnnxRuntime_MatchesManagedForwardPass(int layers, int hidden, int horizon, int quantiles, int[] lags, bool calibrated, int medianSeasons)
    {
        var levels = Enumerable.Range(1, quantiles).Select(i => i / (quantiles + 1.0)).ToArray();
        var options = new LstmForecasterOptions { Layers = layers, HiddenSize = hidden, ContextLength = 10, Horizon = horizon, Quantiles = levels, SeasonalLags = lags, MaxRegions = 0, SeasonalMedianSeasons = medianSeasons };
        var stats = new float[LstmFeatureSpec.StatisticsLength];
        Array.Fill(stats, 1f, LstmFeatureSpec.StandardisedCount, LstmFeatureSpec.StandardisedCount);
        var spec = new LstmFeatureSpec(TimeSpan.FromHours(1), 10, horizon, lags, [], stats, medianSeasons);
        var network = LstmModel.CreateNetwork(options, spec);
        var random = new Random(layers * 100 + hidden);
        for (var i = 0; i < network.Parameters.Length; i++)
        {
            network.Parameters[i] = (float)(((random.NextDouble() * 2) - 1) * 0.5);
        }

        // Calibration offsets that cross (the second is well below the first) exercise the monotone restoration in both passes
        // (outwards from the median with three levels, a running maximum with four, which have no median level);
        // they differ by step, so the per-step layout is checked too.
        var offsets = calibrated ? Enumerable.Range(0, horizon * quantiles).Select(i => (float)((i % quantiles % 2 == 0 ? 0.3 : -0.8) + (0.05 * (i / quantiles)))).ToArray() : null;
        var model = new LstmModel(options, spec, network, offsets);
        const int batch = 37;
        var x = RandomArray(random, 10 * batch * network.InputSize, 2);
        var future = RandomArray(random, batch * network.FutureSize, 1.5);
        var scale = Enumerable.Range(0, batch).Select(_ => (float)(1 + (random.NextDouble() * 50))).ToArray();

        var managed = Managed(model, x, future, scale, batch);
        var onnx = RunOnnx(model, x, future, scale, batch);

        Assert.That(onnx, Has.Length.EqualTo(managed.Length));
        for (var i = 0; i < managed.Length; i++)
        {
            Assert.That(onnx[i], Is.EqualTo(managed[i]).Within(1e-4 * Math.Max(1, Math.Abs(managed[i]))), $"output {i}");
        }
    }

    [TestCase(0)]
    [TestCase(3)]
    public async Task ExportOnnx_TrainedForecaster_MatchesItsForecastsOnRealFeatures(int medianSeasons)
    {
        var sut = new LstmForecaster(TinyOptions.Create().With(o =>
        {
            o.CalibrateQuantiles = true;
            o.SeasonalMedianSeasons = medianSeasons;
        }));
        var history = SyntheticLoad.History(8, 300);
        await sut.FitAsync(history, null, CancellationToken.None);
        var model = sut.Model!;
        Assert.That(model.IsCalibrated, Is.True, "the trained model should carry calibration offsets, so that the export's calibration nodes are checked");
        var spec = model.Spec;
        var net = model.Network;
        Assert.That(spec.HasMedianInput, Is.EqualTo(medianSeasons > 0), "the case with seasonal medians must export the median input");
        var n = history.Series.Count;
        var index = new LoadHistoryIndex(history);
        var x = new float[spec.ContextLength * n * net.InputSize];
        var future = new float[n * net.FutureSize];
        var scale = new float[n];
        for (var i = 0; i < n; i++)
        {
            var f = spec.Build(history.Series[i], index, 0);
            scale[i] = spec.WriteWindow(f, f.Length - spec.ContextLength, x, n * net.InputSize, i * net.InputSize, future.AsSpan(i * net.FutureSize, net.FutureSize), Span<float>.Empty);
        }

        var onnx = RunOnnx(model, x, future, scale, n);
        var forecast = await sut.ForecastAsync(new ForecastRequest(history, spec.Horizon), CancellationToken.None);

        var perRow = net.HeadOutputSize;
        for (var i = 0; i < n; i++)
        {
            var series = forecast.Partitions[history.Series[i].Partition][Topology.ResourceKind.Requests];
            for (var s = 0; s < spec.Horizon; s++)
            {
                for (var q = 0; q < net.QuantileCount; q++)
                {
                    var expected = series[s, q];
                    Assert.That(onnx[(i * perRow) + (s * net.QuantileCount) + q], Is.EqualTo(expected).Within(1e-4 * Math.Max(1, expected)));
                }
            }
        }
    }

    private static float[] Managed(LstmModel model, float[] x, float[] future, float[] scale, int batch)
    {
        var net = model.Network;
        var q = new float[batch * net.HeadOutputSize];
        model.PredictAssembled(x, future, scale, batch, q, degreeOfParallelism: 1);
        return q;
    }

    internal static float[] RunOnnx(LstmModel model, float[] x, float[] future, float[] scale, int batch)
    {
        using var stream = new MemoryStream();
        PredictiveSharding.Forecasting.Onnx.LstmOnnxExporter.Write(model, stream);
        using var session = new InferenceSession(stream.ToArray());
        var net = model.Network;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [model.Spec.ContextLength, batch, net.InputSize])),
            NamedOnnxValue.CreateFromTensor("scale", new DenseTensor<float>(scale, [batch, 1])),
        };
        if (net.FutureSize > 0)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor("future", new DenseTensor<float>(future, [batch, net.FutureSize])));
        }

        using var results = session.Run(inputs);
        return results.Single(r => r.Name == "quantiles").AsEnumerable<float>().ToArray();
    }

    private static float[] RandomArray(Random random, int count, double range) => Enumerable.Range(0, count).Select(_ => (float)(((random.NextDouble() * 2) - 1) * range)).ToArray();
}
