using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Forecasting.Persistence;

namespace PredictiveSharding.Forecasting.Tests.Lstm;

/// <summary>
/// Options that each pass validation can together describe a network with more parameters than an array holds (the
/// head alone is (hidden + horizon·lags) × horizon·quantiles). Regression: the parameter count was computed in int and
/// wrapped round, so a fit failed from its task with an OverflowException (or, wrapped to a positive count, ran on an
/// array of the wrong size), and a model file declaring such options failed its load with an OverflowException instead
/// of an InvalidDataException, after trying to allocate what the file declared rather than what it holds.
/// </summary>
public sealed class LstmNetworkSizeTests
{
    private static readonly double[] NineteenLevels = Enumerable.Range(1, 19).Select(i => i / 20.0).ToArray();

    /// <summary>
    /// A small fitted model's file whose options claim a network of hidden size 64, a horizon of 10,000 and the given
    /// quantiles, which the file does not hold. Written through the serializer, so the checksum is right.
    /// </summary>
    private static async Task<MemoryStream> SmallModelFileDeclaringAsync(double[] quantiles)
    {
        var sut = new LstmForecaster(TinyOptions.Create(horizon: 2, epochs: 1).With(o => o.Layers = 1));
        await sut.FitAsync(SyntheticLoad.History(2, 200), null, CancellationToken.None);
        var model = sut.Model!;
        var declared = sut.Options.With(o =>
        {
            o.Horizon = 10_000;
            o.HiddenSize = 64;
            o.Quantiles = quantiles;
        });
        var stream = new MemoryStream();
        LstmModelSerializer.Write(new LstmModel(declared, model.Spec, model.Network, model.Calibration), stream);
        stream.Position = 0;
        return stream;
    }

    [Test]
    public void FitAsync_OptionsWhoseNetworkHasMoreParametersThanAnArrayHolds_ThrowsArgumentExceptionNamingTheCount()
    {
        // Hourly steps give lags of a day and a week: a head of (64 + 10,000 × 2) × (10,000 × 19) = 3.8 billion weights.
        var options = TinyOptions.Create(horizon: 10_000).With(o =>
        {
            o.Layers = 1;
            o.HiddenSize = 64;
            o.Quantiles = NineteenLevels;
        });
        var sut = new LstmForecaster(options);
        var history = SyntheticLoad.History(1, 10_024 + 24);

        var e = Assert.Throws<ArgumentException>(() => _ = sut.FitAsync(history, null, CancellationToken.None));

        Assert.That(e!.Message, Does.Contain("3,812,370,480").Or.Contain("3812370480"));
        Assert.That(sut.IsFitted, Is.False);
    }

    [Test]
    public async Task Load_FileDeclaringANetworkLargerThanAnArray_ThrowsInvalidDataExceptionWithoutAllocatingIt()
    {
        using var stream = await SmallModelFileDeclaringAsync(NineteenLevels);

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(stream));

        Assert.That(e!.Message, Does.Contain("parameters"));
    }

    [Test]
    public async Task Load_FileDeclaringMoreParametersThanItsPayloadHolds_ThrowsInvalidDataException()
    {
        // 1.8 billion parameters (7 GB) is within an array's reach; a file of a few kilobytes cannot hold them, and the
        // load refuses it before allocating the network.
        using var stream = await SmallModelFileDeclaringAsync([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var e = Assert.Throws<InvalidDataException>(() => LstmForecaster.Load(stream));

        Assert.That(e!.Message, Does.Contain("parameters"));
        Assert.That(GC.GetTotalAllocatedBytes(precise: true) - before, Is.LessThan(100_000_000), "bytes allocated by the refused load");
    }
}
