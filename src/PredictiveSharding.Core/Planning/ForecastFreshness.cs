using System.Globalization;

namespace PredictiveSharding.Planning;

/// <summary>The planners' shared check that a request's forecast still covers the time the plan is made.</summary>
internal static class ForecastFreshness
{
    /// <summary>
    /// Throws when every step of the forecast ends at or before <see cref="PlanningRequest.Now"/>: a plan made on it would
    /// act on load that has already passed. A forecast with no steps is left to each planner's own rule.
    /// </summary>
    /// <exception cref="ArgumentException">The forecast's last step ends at or before <see cref="PlanningRequest.Now"/>; the message names both times.</exception>
    public static void ThrowIfStale(PlanningRequest request)
    {
        var forecast = request.Forecast;
        if (forecast is null || forecast.Horizon == 0)
        {
            return;
        }

        // LoadForecast's constructor checked that the end of its last step is representable.
        var lastStart = forecast.Origin + TimeSpan.FromTicks(forecast.Step.Ticks * (forecast.Horizon - 1));
        var end = lastStart + forecast.Step;
        if (end <= request.Now)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The forecast is stale: its last step starts at {lastStart:O} and ends at {end:O}, at or before the planning time Now {request.Now:O}. Forecast again from recent history; a plan on this one would act on load that has already passed."),
                nameof(request));
        }
    }
}
