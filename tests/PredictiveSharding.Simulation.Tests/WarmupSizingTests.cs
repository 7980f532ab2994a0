using PredictiveSharding.Forecasting;
using PredictiveSharding.Forecasting.Lstm;
using PredictiveSharding.Telemetry;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Simulation.Tests;

public class WarmupSizingTests
{
    [Test]
    public void Sizing_WhenTheWarmupHoldsTwiceTheDefaultWindow_KeepsTheDefaults()
    {
        Assert.Multiple(() =>
        {
            // The embedded trace at its own 1-minute steps: warm-up 144 ≥ 2 × (24 + 12).
            Assert.That(WarmupSizing.Horizon(144, 12, 1), Is.EqualTo(12));
            Assert.That(WarmupSizing.Context(144, 12), Is.EqualTo(24));

            // Exactly twice.
            Assert.That(WarmupSizing.Horizon(72, 12, 1), Is.EqualTo(12));
            Assert.That(WarmupSizing.Context(72, 12), Is.EqualTo(24));

            // A horizon longer than 24 steps gets a context as long as itself.
            Assert.That(WarmupSizing.Context(1000, 30), Is.EqualTo(30));
        });
    }

    [Test]
    public void Sizing_OnAShortWarmup_ShrinksHorizonAndContextInTheirRatioToHalfTheWarmup()
    {
        // The embedded trace at 5-minute steps: 96 steps, warm-up 28; the defaults (24 + 12 = 36) do not even fit once.
        var horizon = WarmupSizing.Horizon(28, 12, 1);
        var context = WarmupSizing.Context(28, horizon);
        Assert.Multiple(() =>
        {
            Assert.That(horizon, Is.EqualTo(4), "12 × 14 / 36, rounded down");
            Assert.That(context, Is.EqualTo(10), "the rest of half the warm-up");
        });
    }

    [Test]
    public void Horizon_IsAtLeastOnePlanInterval()
    {
        Assert.Multiple(() =>
        {
            Assert.That(WarmupSizing.Horizon(28, 12, 6), Is.EqualTo(6));
            Assert.That(WarmupSizing.Horizon(0, 12, 1), Is.EqualTo(1));
            Assert.That(WarmupSizing.Context(0, 1), Is.EqualTo(1));
        });
    }

    [Test]
    public void Sizing_ForEveryWarmup_LeavesHalfOfItAsWindowStartsAndGrowsWithIt()
    {
        for (var horizon = 1; horizon <= 30; horizon++)
        {
            for (var planEvery = 1; planEvery <= horizon; planEvery += 3)
            {
                var previous = 0;
                for (var warmup = 0; warmup <= 200; warmup++)
                {
                    var h = WarmupSizing.Horizon(warmup, horizon, planEvery);
                    var c = WarmupSizing.Context(warmup, h);
                    var at = $"warm-up {warmup}, horizon {horizon}, plan every {planEvery}: sized {h} + {c}";
                    Assert.That(h, Is.InRange(planEvery, horizon), at);
                    Assert.That(c, Is.InRange(1, Math.Max(24, h)), at);
                    Assert.That(h, Is.GreaterThanOrEqualTo(previous), at);
                    if (warmup / 2 >= planEvery + 1)
                    {
                        Assert.That(c + h, Is.LessThanOrEqualTo(warmup / 2), at);
                    }

                    previous = h;
                }
            }
        }
    }

    [Test]
    public void Sizing_RejectsOutOfRangeArguments()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => WarmupSizing.Horizon(-1, 12, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => WarmupSizing.Horizon(28, 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => WarmupSizing.Horizon(28, 12, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => WarmupSizing.Context(28, 0));
        });
    }

    [Test]
    public async Task CreateForecaster_OnAShortWarmup_TrainsOnTheWarmupAndForecastsTheSizedHorizon()
    {
        // 28 steps of 5 minutes: before the sizing, the LSTM needed 24 + 12 = 36 steps and could not train on them.
        const int warmup = 28;
        var horizon = WarmupSizing.Horizon(warmup, 12, 1);
        var context = new SimulationContext(TimeSpan.FromMinutes(5), 96, warmup, 4, horizon, Seed: 1);
        var forecaster = (LstmForecaster)DefaultComponents.CreateForecaster(context);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var series = Enumerable.Range(0, 4).Select(p => new PartitionLoadSeries(
            new PartitionId($"p{p}"),
            context.Step,
            Enumerable.Range(0, warmup).Select(s => LoadBucket.OfRequests(start + (context.Step * s), 100 + (p * 10) + (20 * Math.Sin(s / 3.0)))).ToArray())).ToList();
        var history = new LoadHistory(series);

        await forecaster.FitAsync(history, null, CancellationToken.None);
        var forecast = await forecaster.ForecastAsync(new ForecastRequest(history, horizon), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(forecaster.Options.ContextLength + forecaster.Options.Horizon, Is.LessThanOrEqualTo(warmup / 2));
            Assert.That(forecaster.IsFitted, Is.True);
            Assert.That(forecast.Horizon, Is.EqualTo(horizon));
        });
    }
}
