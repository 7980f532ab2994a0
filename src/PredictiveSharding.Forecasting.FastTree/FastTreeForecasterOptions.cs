using PredictiveSharding.Forecasting.Features;

namespace PredictiveSharding.Forecasting.Baselines;

/// <summary>Options of <see cref="FastTreeForecaster"/>.</summary>
public sealed class FastTreeForecasterOptions
{
    /// <summary>The season m in steps; the features include the values one and two seasons before each target, so a series needs 2m steps of context. Default 24; at least 2.</summary>
    public int SeasonLength { get; set; } = BaselineDefaults.SeasonLength;

    /// <summary>Quantile levels produced when a request does not name its own; strictly increasing in (0, 1). Default 0.1, 0.5, 0.9, 0.99.</summary>
    public IReadOnlyList<double> Quantiles { get; set; } = BaselineDefaults.Quantiles;

    /// <summary>Boosted trees. Default 100 (ML.NET's default); at least 1.</summary>
    public int NumberOfTrees { get; set; } = 100;

    /// <summary>Leaves per tree. Default 20 (ML.NET's default); 2–131,072 (LightGBM's limit: ML.NET sizes its per-tree arrays by it).</summary>
    public int NumberOfLeaves { get; set; } = 20;

    /// <summary>Training examples a leaf must hold. Default 10 (ML.NET's default); at least 1.</summary>
    public int MinimumExampleCountPerLeaf { get; set; } = 10;

    /// <summary>Boosting learning rate. Default 0.2 (ML.NET's default); in (0, 1].</summary>
    public double LearningRate { get; set; } = 0.2;

    /// <summary>
    /// The share of each series' training steps held out (at its end) to measure the errors per horizon step the quantiles
    /// come from: a model trained without them forecasts them from rolling origins. Default 0.2; in [0.05, 0.5].
    /// </summary>
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>The longest horizon the model learns (the horizon step is a feature); a request for more steps is refused. Default 48; 1–10,000 (as <c>LstmForecasterOptions.Horizon</c>).</summary>
    public int MaxHorizon { get; set; } = 48;

    // Upper bounds: a fit allocates per horizon step (the error pools) and ML.NET per leaf, so int.MaxValue passed
    // validation and failed the fit with an OutOfMemoryException that named no option (MaxHorizon after a first model
    // had been trained).
    internal const int MaxMaxHorizon = 10_000;

    internal const int MaxNumberOfLeaves = 131_072;

    /// <summary>Training rows (origin × horizon step) at most; origins are thinned evenly beyond it. Default 300,000; at least 100.</summary>
    public int MaxTrainingRows { get; set; } = 300_000;

    /// <summary>One-step errors needed to estimate quantiles. Default 8; at least 1.</summary>
    public int MinimumResiduals { get; set; } = BaselineDefaults.MinimumResiduals;

    /// <summary>
    /// Most recent steps retained per series for training and refits. Default 8760; at least 2·<see cref="SeasonLength"/> + 1
    /// (and 4), the context and target of one training row: a shorter limit would leave no series anything to train on.
    /// </summary>
    public int MaxHistoryLength { get; set; } = BaselineDefaults.MaxHistoryLength;

    /// <summary>Seed of ML.NET's context and the trainer. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Threads FastTree may use; null lets ML.NET decide. At least 1 when set.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it and its value.</exception>
    /// <exception cref="ArgumentException">The quantile levels are invalid.</exception>
    public void Validate()
    {
        OptionChecks.AtLeast(SeasonLength, 2, nameof(SeasonLength));
        OptionChecks.Quantiles(Quantiles, nameof(Quantiles));
        OptionChecks.AtLeast(NumberOfTrees, 1, nameof(NumberOfTrees));
        OptionChecks.InRange(NumberOfLeaves, 2, MaxNumberOfLeaves, nameof(NumberOfLeaves));
        OptionChecks.AtLeast(MinimumExampleCountPerLeaf, 1, nameof(MinimumExampleCountPerLeaf));
        if (!(LearningRate > 0 && LearningRate <= 1))
        {
            OptionChecks.InRange(LearningRate, double.Epsilon, 1, nameof(LearningRate));
        }

        OptionChecks.InRange(ValidationFraction, 0.05, 0.5, nameof(ValidationFraction));
        OptionChecks.InRange(MaxHorizon, 1, MaxMaxHorizon, nameof(MaxHorizon));
        OptionChecks.AtLeast(MaxTrainingRows, 100, nameof(MaxTrainingRows));
        OptionChecks.AtLeast(MinimumResiduals, 1, nameof(MinimumResiduals));
        OptionChecks.AtLeast(MaxHistoryLength, 2, nameof(MaxHistoryLength));
        OptionChecks.AtLeast(MaxHistoryLength, LagFeatures.ContextLength(SeasonLength) + 1, nameof(MaxHistoryLength));
        if (NumberOfThreads is { } threads)
        {
            OptionChecks.AtLeast(threads, 1, nameof(NumberOfThreads));
        }
    }
}
