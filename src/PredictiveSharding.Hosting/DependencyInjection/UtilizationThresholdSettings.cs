using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Topology;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>
/// Reads <see cref="Planning.PlanningConstraints.UtilizationThresholds"/> from configuration, which .NET's binder cannot:
/// it binds dictionaries keyed by strings, enums and integers only, and skips one keyed by <see cref="ResourceKind"/>
/// (a record struct) without an error.
/// </summary>
internal static class UtilizationThresholdSettings
{
    private static readonly ResourceKind[] Known =
    [
        ResourceKind.Requests, ResourceKind.Cpu, ResourceKind.MemoryBytes, ResourceKind.DiskBytes, ResourceKind.IoBytes, ResourceKind.NetworkBytes,
    ];

    /// <summary>The loop's constraints with the section's thresholds added to (and replacing, per resource) those already set.</summary>
    /// <exception cref="OptionsValidationException">A key names no known resource, a value is not a number, or the section is one value instead of resources; the message names its configuration path.</exception>
    public static void Apply(ControlLoopOptions options, IConfiguration thresholds)
    {
        var children = thresholds.GetChildren().ToList();
        if (children.Count == 0)
        {
            // One value for the whole section (an environment variable ..__UtilizationThresholds=0.7) sets no resource.
            if (thresholds is IConfigurationSection { Value: { Length: > 0 } value } section)
            {
                throw Bad($"the section at {section.Path} must name resources, such as {section.Path}:Cpu = 0.7; got the single value '{value}'");
            }

            return;
        }

        var merged = new Dictionary<ResourceKind, double>(options.Constraints.UtilizationThresholds);
        foreach (var child in children)
        {
            var resource = Array.Find(Known, k => string.Equals(k.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (resource.Name is null)
            {
                throw Bad($"'{child.Key}' (at {child.Path}) is not a resource; use one of {string.Join(", ", Known.Select(k => k.Name))} (in any case), or set a threshold for a resource of your own in code");
            }

            if (!double.TryParse(child.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
            {
                throw Bad($"the threshold of '{child.Key}' (at {child.Path}) must be a number, a share of capacity such as 0.7; got '{child.Value}'");
            }

            merged[resource] = threshold;
        }

        options.Constraints = options.Constraints with { UtilizationThresholds = merged };
    }

    private static OptionsValidationException Bad(string what) =>
        new(Options.DefaultName, typeof(ControlLoopOptions), ["ControlLoopOptions.Constraints.UtilizationThresholds: " + what + "."]);
}
