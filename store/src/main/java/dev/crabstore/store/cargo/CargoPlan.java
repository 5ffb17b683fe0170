package dev.crabstore.store.cargo;

import dev.crabstore.planner.unit.CargoMetadata;
import dev.crabstore.planner.unit.UnitGraph;

/**
 * What cargo told us about a build: its unit graph and its metadata, with the raw JSON for debugging. When the
 * units come from a recorded legacy build plan, {@code unitGraphJson} holds that plan's JSON.
 */
public record CargoPlan(UnitGraph unitGraph, CargoMetadata metadata, String unitGraphJson, String metadataJson) {}
