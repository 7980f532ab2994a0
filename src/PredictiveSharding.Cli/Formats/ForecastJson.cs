using System.Globalization;
using PredictiveSharding.Forecasting;
using PredictiveSharding.Topology;
using PredictiveSharding.Traces;

namespace PredictiveSharding.Cli.Formats;

/// <summary>
/// forecast.json ⇄ <see cref="LoadForecast"/>: <c>stepSeconds</c>, <c>quantiles</c>, an optional ISO-8601
/// <c>origin</c>, and per partition, per resource, one array of quantile values per step.
/// </summary>
internal static class ForecastJson
{
    public static LoadForecast Read(string path, DateTimeOffset defaultOrigin)
    {
        using var stream = ClusterJson.OpenRead(path);
        return Read(stream, path, defaultOrigin);
    }

    public static LoadForecast Read(Stream stream, string file, DateTimeOffset defaultOrigin)
    {
        var document = JsonFile.Read(stream, file, PlanJsonContext.Default.ForecastDocument);
        if (document.StepSeconds is not { } stepSeconds || !double.IsFinite(stepSeconds) || stepSeconds <= 0 || stepSeconds > TimeSpan.MaxValue.TotalSeconds / 1e6)
        {
            throw new PlanFileException(file, "$.stepSeconds", $"the step must be a positive number of seconds; got {(document.StepSeconds is { } s ? JsonFile.Show(s) : "nothing")}.");
        }

        // Under half a tick (50 ns) the step rounds to zero, which LoadForecast refused with its own message naming neither
        // this file nor the field.
        var step = TimeSpan.FromSeconds(stepSeconds);
        if (step <= TimeSpan.Zero)
        {
            throw new PlanFileException(file, "$.stepSeconds", $"the step must be at least one tick of .NET's clock (1E-07 seconds); got {JsonFile.Show(stepSeconds)}.");
        }

        var quantiles = ReadQuantiles(document, file);
        var origin = ReadOrigin(document, file, defaultOrigin);
        if (document.Partitions is not { Count: > 0 } partitions)
        {
            throw new PlanFileException(file, "$.partitions", "at least one partition's forecast is needed.");
        }

        var result = new Dictionary<PartitionId, IReadOnlyDictionary<ResourceKind, QuantileSeries>>();
        var steps = -1;
        foreach (var (partition, resources) in partitions)
        {
            var path = JsonFile.Property("$.partitions", partition);
            if (string.IsNullOrWhiteSpace(partition))
            {
                throw new PlanFileException(file, path, "a partition id must not be empty.");
            }

            if (resources is not { Count: > 0 })
            {
                throw new PlanFileException(file, path, $"partition '{partition}' needs the forecast of at least one resource.");
            }

            var series = new Dictionary<ResourceKind, QuantileSeries>();
            foreach (var (resource, values) in resources)
            {
                var at = JsonFile.Property(path, resource);
                if (string.IsNullOrWhiteSpace(resource))
                {
                    throw new PlanFileException(file, at, "a resource name must not be empty.");
                }

                series[new ResourceKind(resource)] = ReadSeries(values, quantiles.Length, file, at, ref steps);
            }

            result[new PartitionId(partition)] = series;
        }

        // Every value was checked above; what is left for LoadForecast to refuse is a last step past the last representable
        // time (an origin near the year 9999), which its own message named without this file or the field.
        var room = DateTime.MaxValue.Ticks - Math.Max(origin.Ticks, origin.UtcTicks);
        if (step.Ticks > room / steps)
        {
            throw new PlanFileException(file, "$.origin", string.Create(CultureInfo.InvariantCulture, $"the forecast's {steps} steps of {JsonFile.Show(stepSeconds)} seconds from '{document.Origin ?? origin.ToString("O", CultureInfo.InvariantCulture)}' end after the last representable time (the end of the year 9999)."));
        }

        return new LoadForecast(origin, step, quantiles, result);
    }

    /// <summary>
    /// Checks forecast.json against cluster.json so a mismatch names its file and path: every partition forecast and
    /// no other, and every forecast resource with a capacity on every node.
    /// </summary>
    public static void CheckAgainst(LoadForecast forecast, string forecastFile, ClusterSnapshot cluster, string clusterFile)
    {
        foreach (var (partition, resources) in forecast.Partitions)
        {
            var path = JsonFile.Property("$.partitions", partition.Value);
            if (!cluster.ContainsPartition(partition))
            {
                throw new PlanFileException(forecastFile, path, $"partition '{partition}' is not in {clusterFile}.");
            }

            foreach (var resource in resources.Keys)
            {
                foreach (var node in cluster.Nodes)
                {
                    if (!node.Capacity.ContainsKey(resource))
                    {
                        throw new PlanFileException(forecastFile, JsonFile.Property(path, resource.Name), $"resource '{resource}' has no capacity on node '{node.Id}' in {clusterFile}.");
                    }
                }
            }
        }

        for (var i = 0; i < cluster.Partitions.Count; i++)
        {
            var partition = cluster.Partitions[i];
            if (!forecast.Partitions.ContainsKey(partition.Id))
            {
                throw new PlanFileException(forecastFile, "$.partitions", $"partition '{partition.Id}' of {clusterFile} has no forecast.");
            }
        }
    }

    public static void Write(LoadForecast forecast, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(forecast);
        var partitions = new Dictionary<string, Dictionary<string, List<List<double>>>>(StringComparer.Ordinal);
        foreach (var (partition, resources) in forecast.Partitions)
        {
            var bySeries = new Dictionary<string, List<List<double>>>(StringComparer.Ordinal);
            foreach (var (resource, series) in resources)
            {
                var steps = new List<List<double>>(series.Steps);
                for (var t = 0; t < series.Steps; t++)
                {
                    steps.Add([.. series.AtStep(t).ToArray()]);
                }

                bySeries[resource.Name] = steps;
            }

            partitions[partition.Value] = bySeries;
        }

        var document = new ForecastDocument
        {
            StepSeconds = forecast.Step.TotalSeconds,
            Quantiles = [.. forecast.Quantiles],
            Origin = forecast.Origin.ToString("O", CultureInfo.InvariantCulture),
            Partitions = partitions,
        };
        JsonFile.Write(stream, document, JsonFile.Output.ForecastDocument);
    }

    private static double[] ReadQuantiles(ForecastDocument document, string file)
    {
        if (document.Quantiles is not { Count: > 0 } quantiles)
        {
            throw new PlanFileException(file, "$.quantiles", "at least one quantile level is needed, e.g. [0.5, 0.9, 0.99].");
        }

        for (var i = 0; i < quantiles.Count; i++)
        {
            var q = quantiles[i];
            if (!(q > 0 && q < 1))
            {
                throw new PlanFileException(file, JsonFile.Index("$.quantiles", i), $"a quantile level must lie strictly between 0 and 1; got {JsonFile.Show(q)}.");
            }

            if (i > 0 && q <= quantiles[i - 1])
            {
                throw new PlanFileException(file, JsonFile.Index("$.quantiles", i), $"quantile levels must be strictly increasing; {JsonFile.Show(q)} follows {JsonFile.Show(quantiles[i - 1])}.");
            }
        }

        return [.. quantiles];
    }

    private static DateTimeOffset ReadOrigin(ForecastDocument document, string file, DateTimeOffset defaultOrigin)
    {
        if (document.Origin is null)
        {
            return defaultOrigin;
        }

        // ISO-8601 only: DateTimeOffset.TryParse also took 01/02/2026 and Jan 2 2026, which read differently by culture.
        return IsoTimestamp.TryParse(document.Origin, DateTimeStyles.None, out var origin)
            ? origin
            : throw new PlanFileException(file, "$.origin", $"the origin must be an {IsoTimestamp.Description}; got '{document.Origin}'.");
    }

    private static QuantileSeries ReadSeries(List<List<double>>? values, int quantiles, string file, string path, ref int steps)
    {
        if (values is not { Count: > 0 })
        {
            throw new PlanFileException(file, path, "needs at least one step: an array of quantile values per step.");
        }

        if (steps >= 0 && values.Count != steps)
        {
            throw new PlanFileException(file, path, string.Create(CultureInfo.InvariantCulture, $"has {values.Count} steps; the series before it have {steps}."));
        }

        steps = values.Count;
        var flat = new double[values.Count * quantiles];
        for (var t = 0; t < values.Count; t++)
        {
            var at = JsonFile.Index(path, t);
            var step = values[t];
            if (step is null || step.Count != quantiles)
            {
                throw new PlanFileException(file, at, string.Create(CultureInfo.InvariantCulture, $"a step needs one value per quantile level ({quantiles}); got {step?.Count ?? 0}."));
            }

            for (var q = 0; q < quantiles; q++)
            {
                var v = step[q];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw new PlanFileException(file, JsonFile.Index(at, q), $"a predicted load must be a finite, non-negative number; got {JsonFile.Show(v)}.");
                }

                if (q > 0 && v < step[q - 1])
                {
                    throw new PlanFileException(file, JsonFile.Index(at, q), $"values must not decrease across quantile levels; {JsonFile.Show(v)} follows {JsonFile.Show(step[q - 1])}.");
                }

                flat[(t * quantiles) + q] = v;
            }
        }

        return new QuantileSeries(values.Count, quantiles, flat);
    }
}
